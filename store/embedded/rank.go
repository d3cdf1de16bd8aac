package embedded

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"syndicate/store"
)

// Pages seek, they do not walk: a feed index (SortKey → value, listed
// newest first) is split into contiguous chunks of at most 2×chunkSize
// keys, and bRanks/<feed> maps each chunk's first key to its number of
// keys. Page p of a feed skips whole chunks by their counts, then walks at
// most one chunk: offset/chunkSize small reads plus at most 2×chunkSize +
// limit index keys, instead of offset index keys. Every index write goes
// through indexPut and indexDelete, which keep the counts (an insert is
// amortized O(1): a chunk that grows past 2×chunkSize splits in two).

const chunkSize = 256

// chunkFloor is the first chunk's key: below every SortKey (eight bytes at
// least), so every key has a chunk.
var chunkFloor = []byte{0}

// metaRanks marks a file whose chunk counts were built (files written
// before them get them at start-up, once).
var metaRanks = []byte("ranks_built")

// cursorSteps counts cursor moves made by page (tests prove a deep page
// reads O(page) keys with it).
var cursorSteps atomic.Int64

func chunkCount(v []byte) int {
	if len(v) != 4 {
		return 0
	}
	return int(binary.BigEndian.Uint32(v))
}

func putChunk(rb *bolt.Bucket, start []byte, n int) error {
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], uint32(n))
	return rb.Put(bytes.Clone(start), v[:])
}

// chunkOf returns the start and count of the chunk holding key.
func chunkOf(rb *bolt.Bucket, key []byte) ([]byte, int) {
	c := rb.Cursor()
	k, v := c.Seek(key)
	switch {
	case k == nil:
		k, v = c.Last()
	case !bytes.Equal(k, key):
		k, v = c.Prev()
	}
	return k, chunkCount(v)
}

// rankAdd counts a key just added to a feed's index.
func rankAdd(tx *bolt.Tx, feed store.FeedKey, key []byte) error {
	rb, err := tx.Bucket(bRanks).CreateBucketIfNotExists([]byte(feed))
	if err != nil {
		return fmt.Errorf("page index %s: %w", feed, err)
	}
	start, n := chunkOf(rb, key)
	if start == nil {
		start = chunkFloor
	}
	n++
	if n <= 2*chunkSize {
		return putChunk(rb, start, n)
	}
	// Split: the second half starts at the chunk's middle key.
	idx := tx.Bucket(bIndexes).Bucket([]byte(feed))
	c := idx.Cursor()
	k, _ := c.Seek(start)
	for range n / 2 {
		k, _ = c.Next()
	}
	if k == nil {
		return fmt.Errorf("page index %s: chunk %x counts %d keys, the index has fewer", feed, start, n)
	}
	if err := putChunk(rb, start, n/2); err != nil {
		return err
	}
	return putChunk(rb, k, n-n/2)
}

// rankRemove uncounts a key just removed from a feed's index.
func rankRemove(tx *bolt.Tx, feed store.FeedKey, key []byte) error {
	rb := tx.Bucket(bRanks).Bucket([]byte(feed))
	if rb == nil {
		return nil
	}
	start, n := chunkOf(rb, key)
	if start == nil {
		return nil
	}
	if n--; n > 0 || bytes.Equal(start, chunkFloor) {
		return putChunk(rb, start, max(n, 0))
	}
	return rb.Delete(bytes.Clone(start))
}

// dropRanks removes a feed's chunk counts with its index.
func dropRanks(tx *bolt.Tx, feed store.FeedKey) error {
	if tx.Bucket(bRanks).Bucket([]byte(feed)) == nil {
		return nil
	}
	return tx.Bucket(bRanks).DeleteBucket([]byte(feed))
}

// buildRanks counts the chunks of every index (once per file).
func buildRanks(tx *bolt.Tx) error {
	ranks := tx.Bucket(bRanks)
	err := tx.Bucket(bIndexes).ForEachBucket(func(feed []byte) error {
		if ranks.Bucket(feed) != nil {
			if err := ranks.DeleteBucket(feed); err != nil {
				return err
			}
		}
		rb, err := ranks.CreateBucket(feed)
		if err != nil {
			return err
		}
		start, n := chunkFloor, 0
		c := tx.Bucket(bIndexes).Bucket(feed).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if n == chunkSize {
				if err := putChunk(rb, start, n); err != nil {
					return err
				}
				start, n = bytes.Clone(k), 0
			}
			n++
		}
		return putChunk(rb, start, n)
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bMeta).Put(metaRanks, []byte("1"))
}

// page returns the values of a feed's entries offset..offset+limit, newest
// first (pageAscending: in ascending key order, the list of categories in
// use by slug).
func page(tx *bolt.Tx, feed store.FeedKey, offset, limit int) [][]byte {
	return pageOf(tx, feed, offset, limit, false)
}

func pageAscending(tx *bolt.Tx, feed store.FeedKey, offset, limit int) [][]byte {
	return pageOf(tx, feed, offset, limit, true)
}

// pageOf reads a page of a feed's index in one direction: whole chunks
// are skipped by their counts, then at most one chunk and the page are
// walked.
func pageOf(tx *bolt.Tx, feed store.FeedKey, offset, limit int, ascending bool) [][]byte {
	idx := tx.Bucket(bIndexes).Bucket([]byte(feed))
	if idx == nil || limit <= 0 {
		return nil
	}
	steps := 0
	defer func() { cursorSteps.Add(int64(steps)) }()
	c := idx.Cursor()
	first, next := c.Last, c.Prev
	if ascending {
		first, next = c.First, c.Next
	}
	skip := max(offset, 0)
	var k, v []byte
	if rb := tx.Bucket(bRanks).Bucket([]byte(feed)); rb != nil && skip > 0 {
		k, v, skip = seekChunk(c, rb.Cursor(), skip, ascending, &steps)
	} else {
		k, v = first()
	}
	steps++
	for ; k != nil && skip > 0; k, v = next() {
		steps++
		skip--
	}
	var out [][]byte
	for ; k != nil && len(out) < limit; k, v = next() {
		steps++
		out = append(out, bytes.Clone(v))
	}
	return out
}

// seekChunk places c on the first entry, in the walk's direction, of the
// chunk holding entry skip (counted from the walk's start), and returns it
// with what is left to skip inside that chunk; a nil key past the end.
// Chunks are keyed by their first (lowest) key: walking down, the chunk's
// first entry in the walk is the one before the start of the chunk above.
func seekChunk(c, rc *bolt.Cursor, skip int, ascending bool, steps *int) (k, v []byte, left int) {
	rfirst, rnext := rc.Last, rc.Prev
	if ascending {
		rfirst, rnext = rc.First, rc.Next
	}
	var passed []byte // the start of the last chunk skipped
	for ck, cv := rfirst(); ck != nil; ck, cv = rnext() {
		*steps++
		n := chunkCount(cv)
		if skip < n {
			if ascending {
				k, v = c.Seek(ck)
				return k, v, skip
			}
			break
		}
		skip -= n
		passed = ck
	}
	switch {
	case ascending:
		return nil, nil, 0 // past the end
	case passed == nil:
		k, v = c.Last()
	default:
		if k, _ = c.Seek(passed); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	return k, v, skip
}
