#pragma once
// Mapnik set-up. The render/ folder is the only place Mapnik is included.
#include <cstddef>
#include <string>

namespace rtm::render {

// Registers Mapnik's input plugins and the system fonts, once. Without it
// datasources fail and labels silently vanish.
void ensure_mapnik();
std::string mapnik_version();
// Number of registered input plugins (datasources) after ensure_mapnik().
std::size_t mapnik_plugin_count();

}  // namespace rtm::render
