/* worker — a persistent helper thread.  See worker.h. */
#include "nn/worker.h"

#include <pthread.h>
#include <stdlib.h>

struct NnWorker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t posted, finished;
    NnJob job; /* set by post, cleared by the worker when done */
    void *arg;
    int quit;
};

static void *worker_main(void *p) {
    NnWorker *w = p;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->job && !w->quit) pthread_cond_wait(&w->posted, &w->mu);
        if (!w->job) break; /* quit, nothing pending */
        NnJob job = w->job;
        void *arg = w->arg;
        pthread_mutex_unlock(&w->mu);
        job(arg);
        pthread_mutex_lock(&w->mu);
        w->job = NULL;
        pthread_cond_signal(&w->finished);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

NnWorker *nn_worker_new(void) {
    NnWorker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    if (pthread_mutex_init(&w->mu, NULL) != 0) goto fail_mu;
    if (pthread_cond_init(&w->posted, NULL) != 0) goto fail_posted;
    if (pthread_cond_init(&w->finished, NULL) != 0) goto fail_finished;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) goto fail_thread;
    return w;
fail_thread:
    pthread_cond_destroy(&w->finished);
fail_finished:
    pthread_cond_destroy(&w->posted);
fail_posted:
    pthread_mutex_destroy(&w->mu);
fail_mu:
    free(w);
    return NULL;
}

void nn_worker_post(NnWorker *w, NnJob job, void *arg) {
    pthread_mutex_lock(&w->mu);
    w->job = job;
    w->arg = arg;
    pthread_cond_signal(&w->posted);
    pthread_mutex_unlock(&w->mu);
}

void nn_worker_wait(NnWorker *w) {
    pthread_mutex_lock(&w->mu);
    while (w->job) pthread_cond_wait(&w->finished, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void nn_worker_free(NnWorker *w) {
    if (!w) return;
    nn_worker_wait(w);
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->posted);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->finished);
    pthread_cond_destroy(&w->posted);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
