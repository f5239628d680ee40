#include <stdio.h>
int main(void) { puts("mtlsdump: under construction"); return 0; }
