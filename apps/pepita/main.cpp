#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "mpi_job.hpp"

int main(int argc, char** argv) {
  try {
    // First: under mpirun, MPI starts before any other thread exists.
    const pepita::cli::MpiJob job;
    pepita::cli::set_current_job(&job);
    return pepita::cli::run(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
  } catch (const std::exception& error) {  // MPI would not start
    std::cerr << "pepita: " << error.what() << '\n';
    return 1;
  }
}
