/*
 * blas_threads.h - every matrix product on the thread that asks for it.
 *
 * The engine shares work among its own OpenMP threads; OpenBLAS must not
 * start threads of its own on top.  Debian's OpenBLAS is the OpenMP build,
 * which sizes each product by the calling thread's OpenMP setting
 * (omp_get_max_threads).  That setting is per thread: a thread the caller
 * creates (an inference unit of `vigil serve`) starts from the core count,
 * whatever openblas_set_num_threads did on another thread, and its products
 * then run on a second OpenMP team — measured 10x slower on a loaded
 * 2-core machine.  So the setting is made before every product: inside a
 * parallel region it belongs to the region's task and ends with it, so
 * once per thread would not do; it is a store to the current task's
 * settings, nothing next to a product.
 */
#ifndef VGL_BLAS_THREADS_H
#define VGL_BLAS_THREADS_H

#include <omp.h>

static inline void blas_on_calling_thread_only(void)
{
    omp_set_num_threads(1); /* the engine's parallel regions name their own thread counts */
}

#endif
