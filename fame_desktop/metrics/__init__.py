"""Faithfulness and localisation metrics of explanation maps (Qt-free).

    masks          top-P % pixel masks of a map (shared by every deletion-style metric)
    boxes          object boxes from PASCAL VOC XML files (ImageNet's bounding boxes), in model-input pixels
    localisation   IoU of a thresholded map with the box, and the pointing game
    road           ROAD-Delete (grad-cam's ROAD: noisy linear imputation of the top-P % pixels)
    deletion_classification
                   deletion / insertion curves of the class probability and their normalised areas
    face_deletion  one face pair: similarity while the top-P % pixels are deleted / inserted
    set_accuracy   a set of pairs: EER threshold, accuracy at it, normalised area over P
"""
