// Combining the results of a round's functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace faasdl::train {

// Weighted average of checkpoint blobs (weights and optimizer state alike), computed in double
// in the given order, so the result is the same whatever order the functions finished in, and
// one blob with weight w comes back bit for bit. Every blob must hold the same tensor names and
// shapes. Metadata "optimizer_steps" becomes the maximum over the blobs; the rest comes from the
// first blob. Throws Error naming the blob that does not fit.
std::string weighted_average(const std::vector<std::string>& blobs, const std::vector<double>& weights,
                             const std::vector<std::string>& names);

}  // namespace faasdl::train
