"""Suggestion classifier: jieba + TF-IDF + scikit-learn. No Telegram, no database here."""
