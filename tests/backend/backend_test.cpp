#include "backend/backend.h"

#include <gtest/gtest.h>

#include "backend/cpu/cpu_backend.h"
#include "core/status.h"

namespace faasdl::backend {
namespace {

TEST(Backend, NamesResolveToSingletons) {
  for (const auto& name : backend_names()) {
    Backend& be = get_backend(name);
    EXPECT_EQ(be.name(), name);
    EXPECT_EQ(&be, &get_backend(name));
  }
}

TEST(Backend, UnknownNameListsChoices) {
  try {
    get_backend("tpu");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ref"), std::string::npos);
  }
}

TEST(Backend, SgemmRateIsPositive) { EXPECT_GT(measure_sgemm_gflops(64, 64, 64, 1, 2), 0.0); }

TEST(Backend, NegativeThreadCountIsRejected) { EXPECT_THROW(cpu_backend().set_threads(-1), Error); }

}  // namespace
}  // namespace faasdl::backend
