/**
 * Tests that use only their own servers or the embedded database give the same
 * answer with TEST_DATABASE_URL/TEST_REDIS_URL: .ci/run runs them once, in its
 * first pass, and sets SKIP_BACKEND_INDEPENDENT_TESTS for the second.
 */
export function backendIndependentSkipped(what: string): boolean {
  const skip = !!process.env.SKIP_BACKEND_INDEPENDENT_TESTS;
  if (skip)
    console.warn(
      `${what} skipped: SKIP_BACKEND_INDEPENDENT_TESTS is set (.ci/run runs it in its first pass)`,
    );
  return skip;
}
