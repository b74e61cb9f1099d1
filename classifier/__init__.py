"""Suggestion classifier: jieba + TF-IDF + scikit-learn. No Telegram, no database here."""

from classifier.categories import Category, load_categories

__all__ = ["Category", "load_categories"]
