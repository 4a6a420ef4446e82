#include "backend/backend.h"

#include "backend/cpu/cpu_backend.h"
#include "backend/ref/ref_backend.h"
#include "core/status.h"

namespace faasdl::backend {

Backend& get_backend(const std::string& name) {
  if (name == "ref") return ref_backend();
  if (name == "cpu") return cpu_backend();
  fail("unknown backend '", name, "' (choose ref or cpu)");
}

std::vector<std::string> backend_names() { return {"ref", "cpu"}; }

}  // namespace faasdl::backend
