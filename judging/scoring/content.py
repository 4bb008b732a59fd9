"""The entry as a judge reads it beside the rubric: what the team submitted last (the
latest version), or the entry's own fields when it has no version (entered before
versions existed). Fixed queries: the latest version, then its files in one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.db import db
from app.storage import StoredFile
from competitions.models import Entry, EntryImage, EntryVersion

# What a judge is shown of the entry, in this order.
FIELDS = (
    "summary",
    "problem",
    "solution",
    "customers",
    "business_model",
    "stage",
    "traction",
)


@dataclass
class EntryContent:
    fields: dict[str, Any]
    deck: StoredFile | None
    images: list[StoredFile]
    from_version: bool

    @property
    def title(self) -> str:
        return self.fields.get("title") or ""

    @property
    def video_url(self) -> str | None:
        url = self.fields.get("video_url") or None
        # Stored links are checked when saved; a version's JSON is checked again here.
        if url and not url.lower().startswith(("http://", "https://")):
            return None
        return url

    @property
    def file_ids(self) -> set[int]:
        ids = {image.id for image in self.images}
        if self.deck is not None:
            ids.add(self.deck.id)
        return ids


def entry_content(entry: Entry) -> EntryContent:
    version = db.session.scalar(
        select(EntryVersion)
        .where(EntryVersion.entry_id == entry.id)
        .order_by(EntryVersion.number.desc())
        .limit(1)
    )
    if version is None:
        fields = {name: getattr(entry, name) for name in ("title", "video_url", *FIELDS)}
        deck_id = entry.deck_file_id
        image_ids = [
            image_id
            for (image_id,) in db.session.execute(
                select(EntryImage.file_id)
                .where(EntryImage.entry_id == entry.id)
                .order_by(EntryImage.position)
            )
        ]
    else:
        fields = dict(version.content or {})
        fields.setdefault("title", entry.title)
        deck_id = version.deck_file_id
        image_ids = [int(i) for i in version.image_file_ids or []]
    wanted = set(image_ids) | ({deck_id} if deck_id else set())
    files = (
        {f.id: f for f in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(wanted)))}
        if wanted
        else {}
    )
    return EntryContent(
        fields=fields,
        deck=files.get(deck_id) if deck_id else None,
        images=[files[i] for i in image_ids if i in files],
        from_version=version is not None,
    )
