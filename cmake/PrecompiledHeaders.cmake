# Precompiled headers: the third-party headers most of our files include, parsed once per target
# instead of once per file. oneTBB's flow graph and oneDNN alone take 3 s of every compile under
# the sanitizers, and CI builds the project three times on 2 cores within its 20 minutes.
# Only headers from outside the project go in, so an edit of ours never rebuilds a header; a file
# must still include what it uses (the installed package's test builds without these).
option(PEPITA_PRECOMPILED_HEADERS "Precompile the standard library, oneTBB and oneDNN headers" ON)

set(PEPITA_PRECOMPILED_HEADER_LIST
  <algorithm> <atomic> <chrono> <cmath> <cstddef> <cstdint> <filesystem> <fstream> <functional>
  <map> <memory> <optional> <span> <sstream> <stdexcept> <string> <string_view> <utility> <vector>
  <tbb/flow_graph.h> <oneapi/dnnl/dnnl.hpp>)

# Gives TARGET the common precompiled header, plus any further headers its files share.
function(pepita_precompile_headers target)
  if(PEPITA_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} PRIVATE ${PEPITA_PRECOMPILED_HEADER_LIST} ${ARGN})
  endif()
endfunction()
