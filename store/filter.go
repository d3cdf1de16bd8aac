package store

import "context"

// FilterChunk is how many entries FilterPage reads per store call.
const FilterChunk = 200

// FilterPage returns the page (offset, limit) of a listing without the
// entries keep refuses, its Total counting only those kept. read returns
// a page of the unfiltered listing. It walks the listing in chunks of
// FilterChunk, so it costs a walk of the whole listing: callers use it on
// a cache miss only, never per request.
func FilterPage[T any](ctx context.Context, read func(ctx context.Context, offset, limit int) (Page[T], error), offset, limit int, keep func(T) bool) (Page[T], error) {
	out := Page[T]{Items: []T{}}
	for at := 0; ; at += FilterChunk {
		pg, err := read(ctx, at, FilterChunk)
		if err != nil {
			return out, err
		}
		for _, v := range pg.Items {
			if !keep(v) {
				continue
			}
			if out.Total >= offset && len(out.Items) < limit {
				out.Items = append(out.Items, v)
			}
			out.Total++
		}
		if len(pg.Items) < FilterChunk || at+FilterChunk >= pg.Total {
			return out, nil
		}
	}
}
