// core: parallel_for (order-independent results, nested calls run serially,
// the first error rethrown) and the stage timings of `rtm run --timings`.
#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/parallel.hpp"
#include "core/timings.hpp"

TEST_CASE("parallel_for visits every index once, nested calls run on the calling thread", "[core]") {
  const std::size_t saved = rtm::thread_count();
  rtm::thread_count() = 2;
  std::vector<int> hits(1000, 0);
  std::vector<std::thread::id> outer_thread(8), inner_thread(8 * 50);
  rtm::parallel_for(hits.size(), [&](std::size_t i) { hits[i] += 1; });
  for (int h : hits) CHECK(h == 1);
  rtm::parallel_for(8, [&](std::size_t i) {
    outer_thread[i] = std::this_thread::get_id();
    CHECK(rtm::inside_parallel_for());
    rtm::parallel_for(50, [&](std::size_t j) { inner_thread[i * 50 + j] = std::this_thread::get_id(); });
  });
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t j = 0; j < 50; ++j) CHECK(inner_thread[i * 50 + j] == outer_thread[i]);
  CHECK_FALSE(rtm::inside_parallel_for());
  CHECK_THROWS_WITH(rtm::parallel_for(100,
                                      [](std::size_t i) {
                                        if (i == 37) throw std::runtime_error("index 37");
                                      }),
                    "index 37");
  rtm::thread_count() = saved;
}

TEST_CASE("stage timings list stages in first-seen order and add repeats", "[core]") {
  rtm::enable_timings(true);
  { rtm::StageTimer t("unit test stage A"); }
  { rtm::StageTimer t("unit test stage B"); }
  { rtm::StageTimer t("unit test stage A"); }
  rtm::enable_timings(false);
  { rtm::StageTimer t("unit test stage C (timings off)"); }
  const std::string table = rtm::timings_table();
  INFO(table);
  const auto a = table.find("unit test stage A"), b = table.find("unit test stage B");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  CHECK(a < b);
  CHECK(table.find("unit test stage A", a + 1) == std::string::npos);
  CHECK(table.find("timings off") == std::string::npos);
  CHECK(table.rfind("stage", 0) == 0);  // the header
  // Every row: name, then wall, CPU and CPU/wall as numbers.
  std::istringstream in(table.substr(a));
  std::string line;
  std::getline(in, line);
  std::istringstream row(line.substr(std::string("unit test stage A").size()));
  double wall = -1, cpu = -1, ratio = -1;
  row >> wall >> cpu >> ratio;
  CHECK(wall >= 0);
  CHECK(cpu >= 0);
  CHECK(ratio >= 0);
  CHECK(row.eof());
}
