#!/usr/bin/env python3
"""Writes the LandXML 1.2 plans of issue #21 for the sample parent CH-00053-0001 (a 19.91 m x 156.03 m rectangle of the
sample island, seed 1): the clean subdivision in Imperial feet with dd.mm.ss directions, in hectares with a combined
factor, in UTM 20N (EPSG:32620), with a curved lot line, with an easement and an adjoining parcel, with a corner 0.30 m
from its observations, and plans a reader must refuse (a point name given twice, a lot label given twice).
Run from the repository root; needs GDAL's gdaltransform for the UTM plan.
clean-subdivision-wgs84.geojson is clean-subdivision.geojson transformed to WGS 84 by PostGIS (ST_Transform to
EPSG:4326, written as CRS84 to 8 decimals, about a millimetre), as GIS software would export it."""
import math, os, subprocess

root = os.path.dirname(os.path.abspath(__file__))
PARENT, NEIGHBOUR = 'CH-00053-0001', 'CH-00053-0002'
x0, x1, y0, y1 = 491115.700, 491135.610, 1477865.350, 1478021.380
xm = 491125.655
FOOT = 0.3048


def area(ring):
    return abs(sum(ring[i][0] * ring[(i + 1) % len(ring)][1] - ring[(i + 1) % len(ring)][0] * ring[i][1] for i in range(len(ring)))) / 2


def azimuth(a, b):
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360


def dms(degrees):
    """Decimal degrees as LandXML's decimal dd.mm.ss, to a tenth of a second: 90.5 is 90.30000."""
    tenths = round(degrees * 36000)
    d, rest = divmod(tenths, 36000)
    m, t = divmod(rest, 600)
    return f'{d}.{m:02d}{t // 10:02d}{t % 10}'


def landxml(points, parcels, observations, units='<Metric areaUnit="squareMeter" linearUnit="meter" volumeUnit="cubicMeter" temperatureUnit="celsius" pressureUnit="milliBars" angularUnit="decimal degrees" directionUnit="decimal degrees"/>',
            epsg=2007, crs_name='St. Vincent 45 / British West Indies Grid', datum='St. Vincent 1945', header='', scale=1.0, point_lines=None):
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<LandXML xmlns="http://www.landxml.org/schema/LandXML-1.2" version="1.2" date="2026-12-01" time="09:30:00">',
           f'  <Units>{units}</Units>',
           f'  <CoordinateSystem epsgCode="{epsg}" name="{crs_name}" horizontalDatum="{datum}"/>',
           '  <CgPoints>']
    out += point_lines if point_lines is not None else [f'    <CgPoint name="{n}" pntSurv="boundary">{p[1] / scale:.3f} {p[0] / scale:.3f}</CgPoint>' for n, p in points.items()]
    out.append('  </CgPoints>')
    out.append('  <Parcels>')
    for name, state, klass, stated, elements in parcels:
        area_attr = f' area="{stated}"' if stated is not None else ''
        if not elements:
            out.append(f'    <Parcel name="{name}" class="{klass}" state="{state}"{area_attr}/>')
            continue
        out.append(f'    <Parcel name="{name}" class="{klass}" state="{state}"{area_attr}><CoordGeom>')
        for e in elements:
            if e[0] == 'Line':
                out.append(f'      <Line><Start pntRef="{e[1]}"/><End pntRef="{e[2]}"/></Line>')
            else:
                _, a, c, b, rot, radius = e
                out.append(f'      <Curve rot="{rot}" radius="{radius:.3f}"><Start pntRef="{a}"/><Center pntRef="{c}"/><End pntRef="{b}"/></Curve>')
        out.append('    </CoordGeom></Parcel>')
    out.append('  </Parcels>')
    out.append(f'  <Survey><SurveyHeader name="Subdivision of {PARENT}" purpose="subdivision" type="surveyed" surveyor="surveyor" surveyorRegistration="LS-0042" endTime="2026-11-20T15:00:00"{header}/>')
    setups = sorted({p for o in observations for p in o[:2]})
    for s in setups:
        out.append(f'    <InstrumentSetup id="IS{s}" stationName="{s}" instrumentHeight="0"><InstrumentPoint pntRef="{s}"/></InstrumentSetup>')
    out.append('    <ObservationGroup id="OG1">')
    for a, b, az, dist in observations:
        out.append(f'      <ReducedObservation setupID="IS{a}" targetSetupID="IS{b}" azimuth="{az}" horizDistance="{dist}"/>')
    out.append('    </ObservationGroup>')
    out.append('  </Survey>')
    out.append('</LandXML>')
    return '\n'.join(out) + '\n'


def write(name, text):
    with open(os.path.join(root, name), 'w', newline='\n') as f:
        f.write(text)


points = {'1': (x0, y0), '2': (xm, y0), '5': (x1, y0), '6': (x1, y1), '3': (xm, y1), '4': (x0, y1)}
lot1, lot2 = ['1', '2', '3', '4'], ['2', '5', '6', '3']
def lines(ring): return [('Line', ring[i], ring[(i + 1) % len(ring)]) for i in range(len(ring))]
def ring_area(ring, pts=points): return area([pts[n] for n in ring])
# The lot lines as a surveyor observes them: one group, the outer traverse 1-2-5-6-3-4-1 and the dividing line 2-3.
traverse = ['1', '2', '5', '6', '3', '4', '1']
def observations(pts=points, fmt_az=lambda a: f'{a:.6f}', scale=1.0, factor=1.0):
    legs = [(traverse[i], traverse[i + 1]) for i in range(len(traverse) - 1)] + [('2', '3')]
    return [(a, b, fmt_az(azimuth(pts[a], pts[b])), f'{math.dist(pts[a], pts[b]) / factor / scale:.3f}') for a, b in legs]

clean = [(PARENT, 'extinguished', 'Lot', None, None),
         ('Lot 1', 'created', 'Lot', f'{ring_area(lot1):.2f}', lines(lot1)),
         ('Lot 2', 'created', 'Lot', f'{ring_area(lot2):.2f}', lines(lot2))]

# Imperial feet, areas in square feet, directions in dd.mm.ss.
feet = [(n, s, k, None if a is None else f'{float(a) / FOOT / FOOT:.1f}', e) for n, s, k, a, e in clean]
write('imperial-feet.xml', landxml(points, feet, observations(fmt_az=dms, scale=FOOT),
      units='<Imperial areaUnit="squareFoot" linearUnit="foot" volumeUnit="cubicFeet" temperatureUnit="fahrenheit" pressureUnit="inHG" angularUnit="decimal dd.mm.ss" directionUnit="decimal dd.mm.ss"/>',
      scale=FOOT))

# Hectares and ground distances: the plan states ground areas and distances; its combined factor brings them to the grid.
cf = 0.9996
hectares = [(n, s, k, None if a is None else f'{float(a) / cf / cf / 10000:.6f}', e) for n, s, k, a, e in clean]
write('hectares-combined-factor.xml', landxml(points, hectares, observations(factor=cf),
      units='<Metric areaUnit="hectare" linearUnit="meter" volumeUnit="cubicMeter" temperatureUnit="celsius" pressureUnit="milliBars" angularUnit="decimal degrees" directionUnit="decimal degrees"/>',
      header=f' combinedFactor="{cf}"'))

# UTM 20N: the same corners transformed by PROJ (as PostGIS does), to the millimetre; observations on the UTM grid.
transformed = subprocess.run(['gdaltransform', '-s_srs', 'EPSG:2007', '-t_srs', 'EPSG:32620', '-output_xy'],
                             input='\n'.join(f'{p[0]} {p[1]}' for p in points.values()), capture_output=True, text=True, check=True).stdout.split('\n')
utm = {n: tuple(round(float(v), 3) for v in transformed[i].split()) for i, n in enumerate(points)}
utm_lots = [(PARENT, 'extinguished', 'Lot', None, None),
            ('Lot 1', 'created', 'Lot', f'{ring_area(lot1, utm):.2f}', lines(lot1)),
            ('Lot 2', 'created', 'Lot', f'{ring_area(lot2, utm):.2f}', lines(lot2))]
write('utm-32620.xml', landxml(utm, utm_lots, observations(utm), epsg=32620, crs_name='WGS 84 / UTM zone 20N', datum='WGS 84'))

# A curved dividing line: an arc of radius 30 m from 7 (west edge) to 8 (east edge), bulging north, centre 9 to the south.
ym = (y0 + y1) / 2
radius = 30.0
half = (x1 - x0) / 2
cy = ym - math.sqrt(radius ** 2 - half ** 2)
curve_points = {'1': (x0, y0), '5': (x1, y0), '6': (x1, y1), '4': (x0, y1), '7': (x0, ym), '8': (x1, ym), '9': ((x0 + x1) / 2, cy)}
theta = 2 * math.asin(half / radius)
segment = radius ** 2 / 2 * (theta - math.sin(theta))
south = area([curve_points[n] for n in ['1', '5', '8', '7']]) + segment
north = area([curve_points[n] for n in ['7', '8', '6', '4']]) - segment
write('curved-boundary.xml', landxml(curve_points, [
    (PARENT, 'extinguished', 'Lot', None, None),
    ('Lot 1', 'created', 'Lot', f'{south:.2f}', [('Line', '1', '5'), ('Line', '5', '8'), ('Curve', '8', '9', '7', 'ccw', radius), ('Line', '7', '1')]),
    ('Lot 2', 'created', 'Lot', f'{north:.2f}', [('Curve', '7', '9', '8', 'cw', radius), ('Line', '8', '6'), ('Line', '6', '4'), ('Line', '4', '7')]),
], [(a, b, f'{azimuth(curve_points[a], curve_points[b]):.6f}', f'{math.dist(curve_points[a], curve_points[b]):.3f}')
    for a, b in [('1', '5'), ('5', '8'), ('8', '6'), ('6', '4'), ('4', '7'), ('7', '1')]]))

# An easement 3 m wide along the south end over both lots, and the neighbour to the east as an adjoining parcel.
easement_points = dict(points, **{'10': (x0, y0 + 3), '11': (xm, y0 + 3), '12': (x1, y0 + 3), '13': (x1 + 19.91, y0), '14': (x1 + 19.91, y1)})
write('easement-and-adjoining.xml', landxml(easement_points, clean + [
    ('E1', 'created', 'Easement', f'{area([easement_points[n] for n in ["1", "5", "12", "10"]]):.2f}', lines(['1', '2', '5', '12', '11', '10'])),
    (NEIGHBOUR, 'adjoining', 'Lot', None, lines(['5', '13', '14', '6'])),
], observations()))

# Corner 2 moved 0.30 m east from where the observations put it; the lots still share it and cover the parent.
moved = dict(points, **{'2': (xm + 0.30, y0)})
write('corner-off-observations.xml', landxml(moved, [
    (PARENT, 'extinguished', 'Lot', None, None),
    ('Lot 1', 'created', 'Lot', f'{ring_area(lot1, moved):.2f}', lines(lot1)),
    ('Lot 2', 'created', 'Lot', f'{ring_area(lot2, moved):.2f}', lines(lot2)),
], observations()))

# Refused: a point name given to two points; a lot label given to two lots.
twice = [f'    <CgPoint name="{n}" pntSurv="boundary">{p[1]:.3f} {p[0]:.3f}</CgPoint>' for n, p in points.items()]
twice.append(f'    <CgPoint name="3" pntSurv="boundary">{y1:.3f} {xm + 1:.3f}</CgPoint>')
write('duplicate-point-names.xml', landxml(points, clean, observations(), point_lines=twice))
write('duplicate-lot-labels.xml', landxml(points, [clean[0], clean[1], ('Lot 1', 'created', 'Lot', clean[2][3], clean[2][4])], observations()))
