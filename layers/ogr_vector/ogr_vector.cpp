#include "ogr_vector/ogr_vector.hpp"

#include "io/vector_reader.hpp"

namespace rtm::layers {

FeatureSet OgrVector::read(const LayerSource& src, const ReadContext& ctx) const {
  io::VectorSource v;
  v.path = src.path;
  v.layer = src.layer;
  v.attribute_filter = src.filter;
  v.sql = src.sql;
  v.password_env = src.password_env;
  v.crs_override = src.crs;
  v.where = src.where;
  v.clip_reason = ctx.clip_reason;
  v.date_field = src.date_column;
  v.date_format = src.date_format;
  return io::read_vector(v, ctx.target, ctx.clip);
}

}  // namespace rtm::layers
