// Makes a skipped test a failed one, in every test program it is linked into.
//
// GoogleTest reports a test SKIPPED when it calls GTEST_SKIP() and also, since 1.11, when the
// SetUpTestSuite() of its suite failed (an ASSERT or an exception there): the suite's tests
// are not run. A skipped test fails neither the test program nor, through
// gtest_discover_tests, ctest. Here a test that could not run - a service it needs is
// missing, its suite's setup failed - has failed: this listener adds a failure to every test
// that ends skipped, so the program exits non-zero and ctest reports it as failed.
// scripts/lib.sh's run_ctest checks the same at the ctest level.
//
// Linked as object code into each test program (tests/CMakeLists.txt): it registers itself
// before main(), so the programs keep GTest::gtest_main.
#include <gtest/gtest.h>

#include <string>

namespace {

class SkipFailsListener final : public testing::EmptyTestEventListener {
  public:
    // End events reach the listeners in reverse order of registration: this runs before the
    // result printer (registered first), which then reports the test as FAILED.
    void OnTestEnd(const testing::TestInfo& info) override {
        const testing::TestResult* result = info.result();
        if (result == nullptr || !result->Skipped()) return;
        const testing::TestSuite* suite = testing::UnitTest::GetInstance()->current_test_suite();
        std::string why;
        if (suite != nullptr && suite->ad_hoc_test_result().Failed()) {
            why = "the SetUpTestSuite() of " + std::string(suite->name()) + " failed (above)";
        } else {
            for (int i = 0; i < result->total_part_count(); ++i) {
                const testing::TestPartResult& part = result->GetTestPartResult(i);
                if (part.skipped() && part.message() != nullptr && *part.message() != '\0') {
                    why = part.message();
                }
            }
            if (why.empty()) why = "GTEST_SKIP()";
        }
        ADD_FAILURE() << info.test_suite_name() << "." << info.name()
                      << " was skipped, and a skipped test counts as failed here: " << why;
    }
};

const bool registered = [] {
    testing::UnitTest::GetInstance()->listeners().Append(new SkipFailsListener);
    return true;
}();

}  // namespace
