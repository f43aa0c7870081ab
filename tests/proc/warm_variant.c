/* Built twice, with -DVARIANT=11 and -DVARIANT=22: two static programs
 * of the same size whose code differs in one immediate (warm_exec.c). */
int main(void) { return VARIANT; }
