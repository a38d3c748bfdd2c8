"""Formats the key/value lines of bench/run.sh as one Markdown table."""
import json
import os
import statistics
import sys

kv = {}
multi = {}  # every value of a repeated key (the R pipeline's factor lines)
for line in open(sys.argv[1]):
    parts = line.strip().split(None, 1)
    if len(parts) == 2:
        kv[parts[0]] = parts[1]
        multi.setdefault(parts[0], []).append(parts[1])
cores = sys.argv[2] if len(sys.argv) > 2 else "?"
tmpdir = sys.argv[3] if len(sys.argv) > 3 else None


def f(key):
    v = kv.get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def s(x, unit="s"):
    if x is None:
        return "not run"
    if unit == "s":
        return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"
    return f"{x:g} {unit}"


def ratio(ref, ours):
    return f"{ref / ours:.1f}x" if ref and ours else "-"


rows = []
for L in ("liquor_retail", "graffiti"):
    n = kv.get(f"{L}.points", "?")
    o, g = f(f"{L}.proximity.ours_s"), f(f"{L}.proximity.gdal_s")
    rows.append((f"proximity {L} ({n} pts)", s(o), f"GDALComputeProximity {s(g)}", ratio(g, o),
                 f"both up to the widest band, {kv.get(f'{L}.proximity.max_dist_m')} m; max diff "
                 f"{kv.get(f'{L}.proximity.max_abs_diff_m')} m over {kv.get(f'{L}.proximity.cells_within')} cells "
                 f"(GDAL snaps points to cell centres: bound half a cell diagonal), "
                 f"{kv.get(f'{L}.proximity.band_cells_differing')} cell-band memberships differ"))
for L in ("liquor_retail", "graffiti"):
    n = kv.get(f"{L}.points", "?")
    o, b, sp = f(f"{L}.density.ours_s"), f(f"{L}.density.brute_s"), f(f"{L}.spatstat.s")
    stride = kv.get(f"{L}.density.brute_stride", "1")
    lab = "brute-force sum" + ("" if stride == "1" else f" (every {stride}th cell, scaled)")
    o1 = f(f"{L}.density.ours_1thread_s")
    rows.append((f"density {L}, {kv.get(f'{L}.density.bands')} bands", s(o), f"{lab} {s(b)}", ratio(b, o),
                 f"max diff / peak {kv.get(f'{L}.density.brute_max_rel_diff')}"))
    rows.append((f"density {L}, {kv.get(f'{L}.density.bands')} bands", s(o), f"spatstat density.ppp {s(sp)}",
                 ratio(sp, o), f"ours on 1 thread {s(o1)}, {ratio(sp, o1)}; max diff / peak "
                 f"{kv.get(f'{L}.spatstat.max_rel_diff')} (per band {kv.get(f'{L}.spatstat.per_band')})"))
o, g = f("enet.ours_s"), f("enet.glmnet_s")
rows.append((f"elastic-net Poisson, 10-fold CV ({kv.get('enet.columns')} cols x {kv.get('cells')} cells)", s(o),
             f"cv.glmnet {s(g)}", ratio(g, o),
             f"lambda.min {float(kv.get('enet.lambda_min', 'nan')):.4g} (#{kv.get('enet.lambda_min_index')}) vs "
             f"{float(kv.get('enet.glmnet_lambda_min', 'nan')):.4g} (#{kv.get('enet.glmnet_lambda_min_index')}); "
             f"path max rel diff {kv.get('enet.path_max_rel_diff')}, CV deviance {kv.get('enet.cvm_max_rel_diff')}"))
base = f("run100.wall_s")
for cs in ("100", "50", "25", "12.5"):
    w, m = f(f"run{cs}.wall_s"), f(f"run{cs}.rss_mb")
    note = kv.get(f"run{cs}.not_run")
    cells = None
    if tmpdir and os.path.exists(os.path.join(tmpdir, f"run{cs}.report.json")):
        cells = json.load(open(os.path.join(tmpdir, f"run{cs}.report.json"))).get("model", {}).get("cells")
    growth = f"{w / base:.1f}x the 100 m time" if w and base and cs != "100" else ""
    rows.append((f"rtm run chicago, {cs} m cells", f"{s(w)}, {s(m, 'MB')} peak" if w else f"not run ({note})",
                 "-", "-", f"{cells} study cells; CPU {s(f(f'run{cs}.cpu_s'))}; {growth}" if w else ""))


def rtm_factors(key):
    """Selected candidate names (risk and protective) of an rtm run's report.json, or None."""
    if not tmpdir or not os.path.exists(os.path.join(tmpdir, f"{key}.report.json")):
        return None
    rep = json.load(open(os.path.join(tmpdir, f"{key}.report.json")))
    m = rep.get("model", rep)
    return [f["name"] for f in m.get("factors", []) + m.get("protective_factors", [])]


for cs in ("100", "50"):
    w, rw = f(f"run{cs}.wall_s"), f(f"r{cs}.wall_s")
    if rw is None:
        rows.append((f"whole pipeline, Chicago {cs} m: rtm run vs R pipeline", s(w), f"R pipeline not run ({kv.get(f'r{cs}.not_run')})", "-", ""))
        continue
    p = f"r{cs}.rpipe."
    steps = ", ".join(f"{lab} {s(f(p + k + '_s'))}" for lab, k in (
        ("read", "read"), ("grid", "grid"), ("proximity", "proximity"), ("density", "density"),
        ("cv.glmnet", "screen"), ("stepAIC Poisson", "stepwise_poisson"), ("stepAIC glm.nb", "stepwise_nb"),
        ("score", "score"), ("places", "places")))
    ours = rtm_factors(f"run{cs}")
    theirs = [v.split()[0] for v in multi.get(p + "factor", [])]
    if ours is None:
        same = "rtm factors not read"
    else:
        common = len(set(ours) & set(theirs))
        same = (f"factors: {common} in common of rtm {len(ours)} / R {len(theirs)}"
                + ("" if common == len(ours) == len(theirs) else
                   f" (only rtm: {', '.join(sorted(set(ours) - set(theirs))) or '-'}; "
                   f"only R: {', '.join(sorted(set(theirs) - set(ours))) or '-'})"))
    cpu = f"CPU rtm {s(f(f'run{cs}.cpu_s'))}, R {s(f(f'r{cs}.cpu_s'))}"
    rows.append((f"whole pipeline, Chicago {cs} m: rtm run vs R pipeline", s(w),
                 f"R pipeline (bench/pipeline.R) {s(rw)}, {s(f(f'r{cs}.rss_mb'), 'MB')} peak", ratio(rw, w),
                 f"{cpu}; R steps: {steps}; R density: {kv.get(p + 'density_method')}; R family {kv.get(p + 'family')}, {kv.get(p + 'places')} places; {same}"))
rows.append(("candidate memory", f"{kv.get('cand.bytes_per')} bytes per candidate per cell", "8 (a double)",
             f"{8 / float(kv['cand.bytes_per']):.0f}x" if kv.get("cand.bytes_per") else "-",
             f"{kv.get('cand.n')} candidates"))


for side in ("250", "500", "1000", "2000"):
    for kind in ("sparse", "dense"):
        k = f"syn.grid{side}.{kind}."
        if f(k + "cells") is None:
            continue
        o, g = f(k + "prox.ours_s"), f(k + "prox.gdal_s")
        pts = kv.get(k + "points")
        rows.append((f"synthetic {side}x{side} cells of 100 m, {kind} ({pts} clustered pts): proximity", s(o),
                     f"GDALComputeProximity {s(g)}", ratio(g, o),
                     f"both up to 600 m; ours vs brute force on {kv.get(k + 'prox.brute_cells')} cells: max diff "
                     f"{kv.get(k + 'prox.brute_max_diff_m')} m, {kv.get(k + 'prox.brute_mismatched')} wrong side of 600 m"))
        o, b = f(k + "dens.ours_s"), f(k + "dens.brute_s")
        rows.append((f"synthetic {side}x{side}, {kind}: density, 6 bands", s(o),
                     f"brute-force sum {s(b)} (on {kv.get(k + 'dens.brute_cells')} cells, scaled)", ratio(b, o),
                     f"max diff / peak {kv.get(k + 'dens.brute_max_rel_diff')}"))
for p in ("30", "60", "120", "240"):
    k = f"syn.cands{p}."
    if f(k + "select_s") is None:
        continue
    rows.append((f"planted model, {kv.get(k + 'cells')} cells, {p} candidates: screening + stepwise",
                 s(f(k + "select_s")), "-", "-",
                 f"screening {s(f(k + 'screening_s'))}, stepwise {s(f(k + 'stepwise_s'))}, {kv.get(k + 'patterns')} "
                 f"row patterns, {kv.get(k + 'bitset_mb')} MB of candidates; planted factors found "
                 f"{kv.get(k + 'planted_found')} of 5, others selected {kv.get(k + 'other_factors_selected')}"))


def med(prefix):
    v = [f(f"{prefix}_{i}.wall_s") for i in (1, 2, 3)]
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


j1, j2 = med("sample_j1"), med("sample_j2")
rows.append(("rtm run sample-city, -j 2 vs -j 1 (median of 3)", f"{s(j2)}", f"-j 1 {s(j1)}", ratio(j1, j2), ""))
j1, j2 = med("chicago_j1"), med("chicago_j2")
rows.append(("rtm run chicago 100 m, -j 2 vs -j 1 (median of 3)", f"{s(j2)}", f"-j 1 {s(j1)}", ratio(j1, j2), ""))

print(f"| stage | ours | reference | ratio (ref/ours) | notes |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print(f"\nstudy cells {kv.get('cells')}, grid {kv.get('grid')}; in-process stages used {kv.get('threads')} threads; "
      f"{cores} cores")
