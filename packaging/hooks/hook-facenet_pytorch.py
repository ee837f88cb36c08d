"""PyInstaller hook for facenet_pytorch: keep its .py files on disk next to the archive copy.

MTCNN opens its weights as `<dir of models/mtcnn.py>/../data/pnet.pt`; with the modules only
in the archive there is no models/ folder, so the operating system cannot resolve the `..`
and the weights are "not found" although bundle_data put them in facenet_pytorch/data.
"""

module_collection_mode = "pyz+py"
