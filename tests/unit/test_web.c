/*
 * seuil-web's login path as its connection threads run it, at once
 * (build it with -fsanitize=thread: `make check-tsan`).
 */
#include <pthread.h>

#include "web.h"
#include "testhelp.h"

/*
 * Connection threads check logins at once, outside w->lock; an unknown
 * name is checked against a stand-in hash made on first use.  Under
 * -fsanitize=thread this shows whether making it is a data race (it was:
 * a static buffer filled by whichever thread came first).
 */
#define LOGIN_THREADS	4

static pthread_barrier_t go;

static void *
unknown_login(void *arg)
{
	bool *ok = arg;

	pthread_barrier_wait(&go);
	*ok = webuser_password_ok(false, "guess", "");
	return NULL;
}

static void
test_login_threads(void)
{
	pthread_t th[LOGIN_THREADS];
	bool ok[LOGIN_THREADS];
	int i;

	pthread_barrier_init(&go, NULL, LOGIN_THREADS);
	for (i = 0; i < LOGIN_THREADS; i++)
		EXPECT_INT(pthread_create(&th[i], NULL, unknown_login, &ok[i]), 0);
	for (i = 0; i < LOGIN_THREADS; i++) {
		pthread_join(th[i], NULL);
		EXPECT(!ok[i]);
	}
	pthread_barrier_destroy(&go);
}

int
main(void)
{
	RUN(test_login_threads);
	return TEST_REPORT();
}
