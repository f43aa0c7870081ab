# CPU-bound pure-Python benchmark: count the primes below N by trial
# division by the primes found so far (bench/run.sh, section python).
# Usage: python3 primes.py N  (or python3 -c "$(cat primes.py)" N)
import sys


def primes_below(n):
    found = []
    for k in range(2, n):
        for p in found:
            if p * p > k:
                found.append(k)
                break
            if k % p == 0:
                break
        else:
            found.append(k)
    return found


n = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
ps = primes_below(n)
print("primes below %d: %d, sum %d, last %d" % (n, len(ps), sum(ps), ps[-1]))
