#include "render/mapnik_env.hpp"

#include <mapnik/datasource_cache.hpp>
#include <mapnik/font_engine_freetype.hpp>
#include <mapnik/version.hpp>

#include <mutex>

#ifndef RTM_MAPNIK_INPUT_PLUGINS
#define RTM_MAPNIK_INPUT_PLUGINS "/usr/lib/mapnik/3.1/input"
#endif

namespace rtm::render {

void ensure_mapnik() {
  static std::once_flag once;
  std::call_once(once, [] {
    mapnik::datasource_cache::instance().register_datasources(RTM_MAPNIK_INPUT_PLUGINS);
    mapnik::freetype_engine::register_fonts("/usr/share/fonts", true);
  });
}

std::string mapnik_version() { return MAPNIK_VERSION_STRING; }

std::size_t mapnik_plugin_count() {
  ensure_mapnik();
  return mapnik::datasource_cache::instance().plugin_names().size();
}

}  // namespace rtm::render
