// The test program of scripts/selfcheck: one suite that passes, one whose SetUpTestSuite()
// fails (GoogleTest then reports its tests SKIPPED), one that calls GTEST_SKIP(). The
// self-check runs each suite through scripts/lib.sh's run_ctest and the test programs
// directly, and expects exactly the first to pass.
#include <gtest/gtest.h>

#include <stdexcept>

TEST(Passes, OnePlusOne) {
    EXPECT_EQ(1 + 1, 2);
}

class SetupFails : public testing::Test {
  protected:
    // What a suite does when a service it needs is missing.
    static void SetUpTestSuite() { throw std::runtime_error("cannot connect to the service"); }
};

TEST_F(SetupFails, NeedsTheService) {
    SUCCEED();
}

TEST(Skips, WhenTheServiceIsMissing) {
    GTEST_SKIP() << "the service is missing";
}
