"""PyInstaller hook for torchvision, replacing the contrib hook (hooks here take precedence).

torchvision ≥ 0.2x keeps its operators (nms, roi_align…) in _C_stable.so and image_stable.so,
loaded with torch.ops.load_library from the package folder; the contrib hook still expects
the old torchvision._C module and collects neither, so `import torchvision` fails in the
bundle ("operator torchvision::nms does not exist"). MTCNN needs nms.
"""

from PyInstaller.utils.hooks import collect_dynamic_libs

binaries = collect_dynamic_libs("torchvision", search_patterns=["*.so", "*.so.*", "*.pyd", "*.dll", "*.dylib"])
module_collection_mode = "pyz+py"  # as the contrib hook: torch's JIT reads some sources
