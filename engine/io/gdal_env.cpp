#include "io/gdal_env.hpp"

#include <cpl_error.h>
#include <gdal.h>
#include <geos_c.h>
#include <proj.h>

#include <mutex>

namespace rtm::io {

namespace {
thread_local std::string g_last_message;

void CPL_STDCALL quiet_handler(CPLErr level, CPLErrorNum, const char* msg) {
  if (level >= CE_Warning && msg != nullptr) g_last_message = msg;
}
}  // namespace

void ensure_gdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(quiet_handler);
  });
}

std::string take_gdal_message() {
  std::string m;
  m.swap(g_last_message);
  return m;
}

std::map<std::string, std::string> library_versions() {
  ensure_gdal();
  PJ_INFO pi = proj_info();
  return {{"gdal", GDALVersionInfo("RELEASE_NAME")},
          {"proj", pi.version != nullptr ? pi.version : ""},
          {"geos", GEOSversion()}};
}

}  // namespace rtm::io
