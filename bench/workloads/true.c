/* true: the smallest static C program (glibc start-up, then exit 0), for
 * measuring sandbox start-up latency (bench/run.sh). */
int main(void) { return 0; }
