/* worker — one persistent helper thread that runs one job at a time.
 *
 * The model and the KV cache split their work in two: the calling thread does one half and a
 * worker the other.  A worker thread lives as long as its owner (starting a thread per step
 * costs more than the step's smaller pieces).  nn_worker_new allocates and starts it;
 * nn_worker_free stops, joins and frees it.  The owner posts a job, does its own half, and
 * waits; jobs never overlap.  Memory written by the job is visible to the owner after
 * nn_worker_wait returns (mutex hand-over). */
#ifndef DOLAB_NN_WORKER_H
#define DOLAB_NN_WORKER_H

typedef struct NnWorker NnWorker;
typedef void (*NnJob)(void *arg);

/* NULL if a thread cannot be started: callers then run both halves themselves. */
NnWorker *nn_worker_new(void);
void nn_worker_free(NnWorker *w); /* NULL is fine */
/* Starts job(arg) on the worker.  The previous job must have been waited for. */
void nn_worker_post(NnWorker *w, NnJob job, void *arg);
/* Returns once the posted job has finished. */
void nn_worker_wait(NnWorker *w);

#endif
