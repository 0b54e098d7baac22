"""Loads every published layer of a Landplatform server in QGIS (python3-qgis, headless) and reports what it got.

Usage: load_layers.py BASE_URL OUT_DIR LAYER_IDS TILED_IDS
  LAYER_IDS  comma-separated collection ids (OGC API Features, WFS lp:<id>, WMS)
  TILED_IDS  comma-separated tiled layer ids (WMTS and vector tiles)
Prints one JSON document: for each layer and service, whether QGIS found it valid, the features it read (vector
services), and for the rendered services (WMS, WMTS, vector tiles) the share of pixels drawn over the layer's extent.
"""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsMapRendererSequentialJob,
                       QgsMapSettings, QgsProject, QgsRasterLayer, QgsRectangle, QgsVectorLayer, QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

base, out_dir, ids, tiled = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3].split(","), set(sys.argv[4].split(","))
app = QgsApplication([], False)
app.initQgis()
mercator = QgsCoordinateReferenceSystem("EPSG:3857")


def count(layer):
    return sum(1 for _ in layer.getFeatures())


def drawn(layer, name, area):
    """Renders the layer alone over the area on white; the share of pixels that are not white."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(mercator)
    settings.setExtent(area)
    settings.setOutputSize(QSize(512, 512))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(os.path.join(out_dir, f"{name}.png"))
    inked = 0
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            if image.pixelColor(x, y).rgb() & 0xFFFFFF != 0xFFFFFF:
                inked += 1
    return inked / ((image.width() // 4) * (image.height() // 4))


def render(layer, name, area):
    return drawn(layer, name, area) if layer.isValid() and area is not None else None


report = {}
for layer_id in ids:
    entry = {}
    oapif = QgsVectorLayer(f"url='{base}/ogc' typename='{layer_id}'", f"oapif-{layer_id}", "OAPIF")
    entry["oapif"] = {"valid": oapif.isValid(), "features": count(oapif) if oapif.isValid() else None}
    wfs = QgsVectorLayer(f"url='{base}/wfs' typename='lp:{layer_id}' version='2.0.0' pagingEnabled='true'", f"wfs-{layer_id}", "WFS")
    entry["wfs"] = {"valid": wfs.isValid(), "features": count(wfs) if wfs.isValid() else None}
    # Where to look: the layer's first feature, in Web Mercator, or 800 m around it when it is smaller (close enough
    # for buildings to be drawn, wide enough for a district's outline).
    first = next(wfs.getFeatures(), None) if wfs.isValid() else None
    area = None
    if first is not None:
        area = QgsCoordinateTransform(wfs.crs(), mercator, QgsProject.instance()).transformBoundingBox(first.geometry().boundingBox())
        if area.width() < 800 and area.height() < 800:
            c = area.center()
            area = QgsRectangle(c.x() - 400, c.y() - 400, c.x() + 400, c.y() + 400)
    wms = QgsRasterLayer(f"crs=EPSG:3857&format=image/png&layers={layer_id}&styles=&url={base}/wms", f"wms-{layer_id}", "wms")
    entry["wms"] = {"valid": wms.isValid(), "drawn": render(wms, f"wms-{layer_id}", area)}
    if layer_id not in tiled:
        report[layer_id] = entry
        continue
    wmts = QgsRasterLayer(
        f"contextualWMSLegend=0&crs=EPSG:3857&format=image/png&layers={layer_id}&styles=default&tileMatrixSet=WebMercatorQuad"
        f"&url={base}/wmts?SERVICE%3DWMTS%26REQUEST%3DGetCapabilities", f"wmts-{layer_id}", "wms")
    entry["wmts"] = {"valid": wmts.isValid(), "drawn": render(wmts, f"wmts-{layer_id}", area),
                     "error": wmts.error().summary() if not wmts.isValid() else None}
    tiles = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/{layer_id}/%7Bz%7D/%7Bx%7D/%7By%7D.mvt&zmin=0&zmax=17", f"tiles-{layer_id}")
    entry["tiles"] = {"valid": tiles.isValid(), "drawn": render(tiles, f"tiles-{layer_id}", area)}
    report[layer_id] = entry

print(json.dumps(report), flush=True)
# QGIS 3.22 may crash tearing down a standalone application while layers are alive; the report is out, so leave now.
sys.stderr.flush()
os._exit(0)
