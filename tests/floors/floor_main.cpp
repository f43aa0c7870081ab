// Linked with every object of one floor (whole archive) and only the
// floors below it (CMakeLists.txt, "The floors"): a floor that refers to
// anything above it fails this link, so the build fails.
int main() { return 0; }
