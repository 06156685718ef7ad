// The link between two MPI ranks, measured as the virtual clock models it: a message costs a
// latency plus its bytes over a bandwidth. Rank 0 and rank 1 bounce messages of growing size; the
// half round trip of the smallest is the latency, and a least-squares line through the half round
// trips of the large ones gives the bandwidth. Prints the table and the options that make
// `pepita train --clock virtual` model this link.
// usage: mpirun -np 2 pepita-link-pingpong [REPEATS]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <mpi.h>

namespace {

// Median half round trip of `repeats` bounces of `bytes` between ranks 0 and 1.
double half_round_trip(int rank, std::vector<char>& buffer, std::size_t bytes, int repeats) {
  std::vector<double> times;
  const int count = int(bytes);
  for (int r = 0; r < repeats + 2; ++r) {  // the first two warm the path up
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    if (rank == 0) {
      MPI_Send(buffer.data(), count, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buffer.data(), count, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buffer.data(), count, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buffer.data(), count, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
    if (r >= 2) times.push_back((MPI_Wtime() - start) / 2);
  }
  std::nth_element(times.begin(), times.begin() + std::ptrdiff_t(times.size() / 2), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
  if (ranks < 2) {
    if (rank == 0) std::fprintf(stderr, "pepita-link-pingpong: needs 2 ranks (mpirun -np 2)\n");
    MPI_Finalize();
    return 2;
  }
  const std::vector<std::size_t> sizes{8, 1 << 10, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22};
  std::vector<char> buffer(sizes.back(), 1);
  std::vector<double> seconds;
  for (std::size_t bytes : sizes) seconds.push_back(half_round_trip(rank, buffer, bytes, repeats));
  if (rank == 0) {
    std::printf("| bytes | half round trip (µs) | GB/s |\n|---|---|---|\n");
    for (std::size_t i = 0; i < sizes.size(); ++i)
      std::printf("| %zu | %.2f | %.3f |\n", sizes[i], seconds[i] * 1e6, double(sizes[i]) / seconds[i] / 1e9);
    // Bandwidth from the slope over 64 KiB … 4 MiB, where the latency no longer dominates.
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 3; i < sizes.size(); ++i) {
      const double x = double(sizes[i]), y = seconds[i];
      n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    std::printf("\nlatency %.2f µs, bandwidth %.2f GB/s (median of %d; slope over 64 KiB … 4 MiB)\n", seconds[0] * 1e6,
                1 / slope / 1e9, repeats);
    std::printf("virtual clock: --link-latency %.3g --link-bandwidth %.3g\n", seconds[0], 1 / slope / 1e9);
  }
  MPI_Finalize();
  return 0;
}
