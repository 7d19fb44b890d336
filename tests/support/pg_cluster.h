/* pg_cluster.h: crashing the PostgreSQL server of the run on purpose, for
 * the tests about what restmap does when its database goes away. The
 * cluster is the throwaway one of scripts/with-postgres.sh, named by
 * RT_PG_DIR; the work is done by scripts/pg-test-cluster.sh (run from the
 * current directory, the source tree, as the schema paths of the suites
 * are), which runs pg_ctl as the cluster's owner. Each call waits until
 * pg_ctl is done and fails the test, with the script's output, when it
 * fails; RT_PG_DIR unset fails the test too (never a skip).
 *
 * A test that leaves the server down (rt_pg_down, then a failed
 * assertion) gets it started again when its process exits, so the suites
 * after it find it answering. */
#ifndef RM_TEST_PG_CLUSTER_H
#define RM_TEST_PG_CLUSTER_H

/* pg_ctl restart -m immediate: every session dies at once (no checkpoint,
 * as in a crash), the server recovers and answers again on its port. */
void rt_pg_restart(void);
/* pg_ctl stop -m immediate: the server is gone until rt_pg_up. */
void rt_pg_down(void);
/* pg_ctl start after rt_pg_down, on the same port. */
void rt_pg_up(void);

#endif
