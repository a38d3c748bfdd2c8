#pragma once
// GDAL set-up and library facts. The io/ folder is the only place GDAL/OGR,
// PROJ and the GEOS C API are called.
#include <map>
#include <string>

namespace rtm::io {

// Registers GDAL drivers once and routes GDAL's messages away from stderr
// (the last one is kept for error messages).
void ensure_gdal();

// The last message GDAL reported, or "" (and clears it).
std::string take_gdal_message();

// Versions of the libraries in use: gdal, proj, geos.
std::map<std::string, std::string> library_versions();

}  // namespace rtm::io
