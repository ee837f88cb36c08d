"""Faithfulness metrics: how much of a model's answer a method's map carries (Qt-free).

    masks.py           the top-P % pixels of a map, as boolean masks
    face_deletion.py   one pair: similarity while the top-P % pixels are deleted / inserted
    set_accuracy.py    a set of pairs: EER threshold, accuracy at it, normalised area over P
"""
