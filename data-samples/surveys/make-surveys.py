#!/usr/bin/env python3
"""Writes the sample surveys from the sample island (seed 1, 20,000 parcels): a clean subdivision of
one parcel in every format, and bad surveys that each break known rules. Run from the repository root
after ./lp data generate --parcels 20000 --seed 1. Needs GDAL's ogr2ogr for Shapefile, GeoPackage, DXF."""
import csv, json, math, os, subprocess, sys, tempfile, zipfile

root = os.path.dirname(os.path.abspath(__file__))
fabric = os.path.join(root, '..', 'generated', '20000-seed1', 'parcels.csv')
csv.field_size_limit(10_000_000)

def ring(wkt):
    body = wkt[wkt.index('(((') + 3: wkt.index(')))')]
    return [tuple(float(v) for v in p.split()) for p in body.split(',')]

parcels = {}
with open(fabric, newline='') as f:
    for row in csv.DictReader(f):
        if ')),((' in row['wkt'] or '),(' in row['wkt']:
            continue
        parcels[row['upi']] = (row, ring(row['wkt']))

def rectangle(points):
    xs = sorted({p[0] for p in points}); ys = sorted({p[1] for p in points})
    return len(points) == 5 and len(xs) == 2 and len(ys) == 2

# The first residential rectangle of 1,500-4,000 m2 whose east edge is shared with another rectangle.
by_west_edge = {}
for upi, (row, pts) in parcels.items():
    if rectangle(pts):
        xs = sorted({p[0] for p in pts}); ys = sorted({p[1] for p in pts})
        by_west_edge[(xs[0], ys[0], ys[1])] = upi
chosen = None
for upi in sorted(parcels):
    row, pts = parcels[upi]
    if not rectangle(pts) or row['land_use'] != 'residential':
        continue
    xs = sorted({p[0] for p in pts}); ys = sorted({p[1] for p in pts})
    area = (xs[1] - xs[0]) * (ys[1] - ys[0])
    if 1500 <= area <= 4000 and (xs[1], ys[0], ys[1]) in by_west_edge:
        chosen = upi; neighbour = by_west_edge[(xs[1], ys[0], ys[1])]; break
if chosen is None:
    sys.exit('no suitable parcel in the sample fabric')

(x0, x1) = sorted({p[0] for p in parcels[chosen][1]}); (y0, y1) = sorted({p[1] for p in parcels[chosen][1]})
xm = round((x0 + x1) / 2, 3)
lot1 = [(x0, y0), (xm, y0), (xm, y1), (x0, y1), (x0, y0)]
lot2 = [(xm, y0), (x1, y0), (x1, y1), (xm, y1), (xm, y0)]

def area(points):
    return abs(sum(points[i][0] * points[i + 1][1] - points[i + 1][0] * points[i][1] for i in range(len(points) - 1))) / 2

def geojson(lots, crs='urn:ogc:def:crs:EPSG::2007', parent=True):
    features = [{'type': 'Feature', 'properties': {'label': name, 'area': round(stated if stated is not None else area(pts), 2)},
                 'geometry': {'type': 'Polygon', 'coordinates': [[list(p) for p in pts]]}} for name, pts, stated in lots]
    if parent:
        features.append({'type': 'Feature', 'properties': {'role': 'parent', 'upi': chosen}, 'geometry': None})
    return json.dumps({'type': 'FeatureCollection', 'crs': {'type': 'name', 'properties': {'name': crs}}, 'features': features}, indent=1)

def landxml(lots, distance_error=0.0):
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    names = {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<LandXML xmlns="http://www.landxml.org/schema/LandXML-1.2" version="1.2" date="2026-11-28" time="12:00:00">',
             '  <Units><Metric areaUnit="squareMeter" linearUnit="meter" volumeUnit="cubicMeter" temperatureUnit="celsius" pressureUnit="milliBars" angularUnit="decimal degrees" directionUnit="decimal degrees"/></Units>',
             '  <CoordinateSystem epsgCode="2007" name="St. Vincent 45 / British West Indies Grid"/>',
             '  <CgPoints>']
    for name, pts, _ in lots:
        for p in pts[:-1]:
            if p not in names:
                names[p] = str(len(names) + 1)
                lines.append(f'    <CgPoint name="{names[p]}">{p[1]:.3f} {p[0]:.3f}</CgPoint>')
    lines.append('  </CgPoints>')
    lines.append('  <Parcels>')
    lines.append(f'    <Parcel name="{chosen}" state="existing" class="parent"/>')
    for name, pts, stated in lots:
        lines.append(f'    <Parcel name="{name}" class="lot" state="proposed" area="{(stated if stated is not None else area(pts)):.2f}"><CoordGeom>')
        for a, b in zip(pts, pts[1:]):
            lines.append(f'      <Line><Start pntRef="{names[a]}"/><End pntRef="{names[b]}"/></Line>')
        lines.append('    </CoordGeom></Parcel>')
    lines.append('  </Parcels>')
    lines.append('  <Survey><SurveyHeader name="Subdivision of ' + chosen + '" purpose="subdivision" type="compiled"/>')
    loop = corners + [corners[0]]
    for i, c in enumerate(corners):
        lines.append(f'    <InstrumentSetup id="S{i}" stationName="{names[c]}" instrumentHeight="0"><InstrumentPoint pntRef="{names[c]}"/></InstrumentSetup>')
    lines.append('    <ObservationGroup id="boundary-traverse">')
    for i, (a, b) in enumerate(zip(loop, loop[1:])):
        dx, dy = b[0] - a[0], b[1] - a[1]
        bearing = math.degrees(math.atan2(dx, dy)) % 360
        dist = math.hypot(dx, dy) + (distance_error if i == 1 else 0)
        lines.append(f'      <ReducedObservation setupID="S{i}" targetSetupID="S{(i + 1) % 4}" azimuth="{bearing:.6f}" horizDistance="{dist:.3f}"/>')
    lines.append('    </ObservationGroup>')
    lines.append('  </Survey>')
    lines.append('</LandXML>')
    return '\n'.join(lines) + '\n'

def csvlist(lots):
    rows = ['parcel,x,y,area']
    for name, pts, stated in lots:
        for p in pts[:-1]:
            rows.append(f'{name},{p[0]:.3f},{p[1]:.3f},{(stated if stated is not None else area(pts)):.2f}')
    return '\n'.join(rows) + '\n'

def write(name, text):
    with open(os.path.join(root, name), 'w') as f:
        f.write(text)

clean = [('Lot 1', lot1, None), ('Lot 2', lot2, None)]
write('clean-subdivision.xml', landxml(clean))
write('clean-subdivision.geojson', geojson(clean))
write('clean-subdivision.csv', csvlist(clean))
# The same lots with labels a surveyor's spreadsheet quotes (a comma, a quote): RFC 4180, as CsvHelper reads it.
write('clean-subdivision-quoted.csv', csvlist([('"Lot 1, north"', lot1, None), ('"Lot 2 ""rear"""', lot2, None)]))
with tempfile.TemporaryDirectory() as tmp:
    source = os.path.join(tmp, 'lots.geojson')
    with open(source, 'w') as f:
        f.write(geojson(clean, parent=False))
    subprocess.run(['ogr2ogr', '-f', 'GPKG', os.path.join(root, 'clean-subdivision.gpkg'), source, '-nln', 'lots'], check=True)
    subprocess.run(['ogr2ogr', '-f', 'DXF', os.path.join(root, 'clean-subdivision.dxf'), source], check=True)
    shp = os.path.join(tmp, 'shp'); os.mkdir(shp)
    subprocess.run(['ogr2ogr', '-f', 'ESRI Shapefile', os.path.join(shp, 'lots.shp'), source], check=True)
    with zipfile.ZipFile(os.path.join(root, 'clean-subdivision-shapefile.zip'), 'w', zipfile.ZIP_DEFLATED) as z:
        for part in sorted(os.listdir(shp)):
            info = zipfile.ZipInfo(part, date_time=(2026, 11, 28, 12, 0, 0))
            with open(os.path.join(shp, part), 'rb') as f:
                z.writestr(info, f.read())

write('misclosing-traverse.xml', landxml(clean, distance_error=0.5))
wide = [(x0, y0), (xm, y0), (xm, y1), (x0, y1), (x0, y0)]
east = [(xm, y0), (x1 + 3.0, y0), (x1 + 3.0, y1), (xm, y1), (xm, y0)]
write('overlap-with-neighbour.geojson', geojson([('Lot 1', wide, None), ('Lot 2', east, None)]))
pulled = [(xm, y0), (x1 - 0.2, y0), (x1 - 0.2, y1), (xm, y1), (xm, y0)]
write('sliver-gap.geojson', geojson([('Lot 1', lot1, None), ('Lot 2', pulled, None)]))
write('area-mismatch.csv', csvlist([('Lot 1', lot1, round(area(lot1) * 1.1, 2)), ('Lot 2', lot2, None)]))
write('wrong-crs.geojson', geojson(clean, crs='urn:ogc:def:crs:EPSG::4326'))
bowtie = [(x0, y0), (xm, y1), (xm, y0), (x0, y1), (x0, y0)]
write('self-intersection.geojson', geojson([('Lot 1', bowtie, area(lot1)), ('Lot 2', lot2, None)]))
repeated = [(x0, y0), (xm, y0), (xm, y0), (xm, y1), (x0, y1), (x0, y0)]
write('duplicate-vertices.geojson', geojson([('Lot 1', repeated, area(lot1)), ('Lot 2', lot2, None)]))
write('malformed.xml', landxml(clean)[:-200])
write('xml-bomb.xml', '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
      + ''.join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
      + ']>\n<LandXML xmlns="http://www.landxml.org/schema/LandXML-1.2" version="1.2"><Project name="&lol9;"/></LandXML>\n')
with zipfile.ZipFile(os.path.join(root, 'zip-slip.zip'), 'w') as z:
    z.writestr(zipfile.ZipInfo('../../etc/cron.d/evil.shp', date_time=(2026, 11, 28, 12, 0, 0)), b'not a shapefile')
with open(os.path.join(root, 'SAMPLE.json'), 'w') as f:
    json.dump({'parent': chosen, 'neighbour': neighbour, 'lot1Area': round(area(lot1), 2), 'lot2Area': round(area(lot2), 2)}, f, indent=1)
print(f'surveys of parent {chosen} (neighbour {neighbour}) written to {root}')
