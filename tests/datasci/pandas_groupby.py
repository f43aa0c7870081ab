# An analysis of an uploaded CSV file with pandas (and numpy's LAPACK), as
# a code interpreter would run it.  Usage: pandas_groupby.py CSV
# Prints only results (no paths), so that the output can be compared byte
# for byte between vmrun and a reference run of the same rootfs's python.
import sys

import numpy as np
import numpy.testing as npt
import pandas as pd

df = pd.read_csv(sys.argv[1], parse_dates=["timestamp"])
print(f"rows {len(df)}, columns {list(df.columns)}")
print(df.dtypes.to_string())
print(f"missing units: {int(df['units'].isna().sum())}")

df["units"] = df["units"].fillna(0).astype("int64")
df["discount"] = df["discount"].fillna(0.0)
df["revenue"] = (df["units"] * df["unit_price"] * (1 - df["discount"])).round(2)

print("\n== by region")
by_region = df.groupby("region").agg(
    orders=("order_id", "count"),
    units=("units", "sum"),
    revenue=("revenue", "sum"),
    mean_price=("unit_price", "mean"),
    max_discount=("discount", "max"),
)
print(by_region.round(3).to_string())

print("\n== by region and product")
by_rp = df.groupby(["region", "product"])["revenue"].agg(["count", "sum", "median"])
print(by_rp.round(3).to_string())

print("\n== revenue pivot (product x region)")
pivot = df.pivot_table(index="product", columns="region", values="revenue",
                       aggfunc="sum", fill_value=0.0, margins=True)
print(pivot.round(2).to_string())

# Local days in Berlin (the data crosses the switch to summer time on
# 2024-03-31): needs the tz database.
print("\n== units per local day (Europe/Berlin)")
ts = df["timestamp"]
if ts.dt.tz is None:
    ts = ts.dt.tz_localize("UTC")
local = ts.dt.tz_convert("Europe/Berlin")
print(f"first {local.iloc[0].isoformat()}, last {local.iloc[-1].isoformat()}")
daily = df.assign(day=local.dt.strftime("%Y-%m-%d %Z")).groupby("day")["units"].sum()
print(daily.to_string())

print("\n== top 5 orders by revenue")
top = df.nlargest(5, "revenue")[["order_id", "region", "product", "units", "revenue"]]
print(top.to_string(index=False))

# A least-squares fit of revenue on units per product (LAPACK through
# numpy.linalg), checked with numpy.testing.
print("\n== revenue ~ units, per product")
for product, g in df[df["units"] > 0].groupby("product"):
    a = np.column_stack([g["units"].to_numpy(float), np.ones(len(g))])
    y = g["revenue"].to_numpy(float)
    coef, _, rank, _ = np.linalg.lstsq(a, y, rcond=None)
    # the residual is orthogonal to the columns (the normal equations)
    npt.assert_allclose(a.T @ (a @ coef - y), 0.0, atol=1e-8 * np.abs(a.T @ y).max())
    print(f"{product}: slope {coef[0]:.4f}, intercept {coef[1]:.4f}, rank {rank}")

total = by_region["revenue"].sum()
npt.assert_allclose(total, df["revenue"].sum())
print(f"\ntotal revenue {total:.2f}")
