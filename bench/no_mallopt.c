/* Measurement only (README "Speed", the allocator): preloaded into an awd that
   calls util::tune_allocator, it makes mallopt a no-op, so that awd runs with
   glibc's default thresholds, as every awd did before tune_allocator. LibTorch
   and the libraries awd loads call no mallopt of their own (nm -D).
     cc -O2 -shared -fPIC -o no_mallopt.so bench/no_mallopt.c
     LD_PRELOAD=$PWD/no_mallopt.so build/awd train ...                        */
int mallopt(int param, int value) {
  (void)param;
  (void)value;
  return 1;
}
