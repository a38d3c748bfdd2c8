#pragma once
// Change in the high-risk places since a previous run: a place is persistent
// when it shares a grid cell with a place of the previous run (a cell centre
// of one inside the other's polygon), new otherwise; a previous place that
// shares no cell with any current place is gone. Place polygons are read
// from places.gpkg with Mapnik's OGR input plugin.
#include <map>
#include <string>
#include <vector>

#include "render/run_info.hpp"

namespace rtm::render {

struct PlaceChange {
  std::string previous_as_of;       // the previous run's as-of date
  std::vector<int> new_ranks;       // current ranks
  std::vector<int> persistent_ranks;
  std::vector<int> gone_ranks;      // previous ranks
  std::map<int, int> previous_rank; // current rank -> the previous place sharing most cells
};

PlaceChange compare_places(const RunInfo& current, const RunInfo& previous);

// A place polygon as rings of (x, y); ring 0 of each part is its exterior.
struct PlaceShape {
  int rank = 0;
  std::vector<std::vector<std::vector<std::pair<double, double>>>> parts;  // parts -> rings -> points
  double minx = 0, miny = 0, maxx = 0, maxy = 0;
};
std::vector<PlaceShape> read_place_shapes(const std::string& places_gpkg);
// Even-odd point-in-polygon over all rings of each part.
bool contains(const PlaceShape& shape, double x, double y);
// Centres of the run's grid cells that fall inside the shape.
std::vector<std::pair<double, double>> cell_centres(const PlaceShape& shape, const RunInfo& run);

// Investment leverage of every feature, from the `leverage` table of
// places.gpkg: (factor, feature id) -> expected incidents.
std::map<std::pair<std::string, long>, double> read_leverage(const std::string& places_gpkg);

}  // namespace rtm::render
