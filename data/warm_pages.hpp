#pragma once
// Reads one value from every memory page of a data set's pixels, once, right after they are written.
//
// Why: on the virtual machines this project runs on (a paravirtualised guest), the first read of a
// page after it was written costs 5–9 µs inside the hypervisor, with no fault the guest can count.
// Training gathers rows in a shuffled order, so the first epoch paid that once per row it touched:
// 64 MNIST rows took 350–950 µs to gather instead of 20 µs, half of a BP batch's time, and
// `pepita calibrate` timed the input node in that cold state. One sequential pass costs about
// 5 µs a page (0.26 s for MNIST's 188 MB here) and leaves every later gather warm; on hardware
// without the effect it is a 20 ms read.
#include "data/dataset.hpp"

namespace pepita {

void warm_pages(const Dataset& set);

}  // namespace pepita
