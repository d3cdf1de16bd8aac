package store

import (
	"encoding/binary"
	"time"

	"syndicate"
)

// SortKey is the byte key that orders a feed's entries the way feeds list
// them when iterated backwards: published (as Unix seconds, sign-flipped so
// negative times sort first), then id. Both backends order identically:
// Redis sorts equal scores by member bytes, which is the id here.
func SortKey(published time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(published.Unix())^(1<<63))
	return append(k, id...)
}

// SortKeyTime returns the time part of a SortKey.
func SortKeyTime(k []byte) time.Time {
	return time.Unix(int64(binary.BigEndian.Uint64(k[:8])^(1<<63)), 0).UTC()
}

// PartnerCommentID mints the local id of a partner comment from its
// article and the partner's comment id.
func PartnerCommentID(articleID, guid string) string {
	return "p" + syndicate.ShortHash(articleID + "\x00" + guid)[:20]
}
