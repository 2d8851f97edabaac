package store

import "context"

// CountUsers counts a pool's users by reading its user index (the ListUsers index) in pages of
// page items, stopping once it has counted max or more; complete tells whether it saw the end.
// It costs about one read per page and nothing else: it serves DescribeUserPool's
// EstimatedNumberOfUsers, so no sign-up or sign-in pays for a counter.
func (r *Repo) CountUsers(ctx context.Context, pool string, page, max int) (n int64, complete bool, err error) {
	cursor := ""
	for {
		items, next, err := r.query(ctx, UserIndexKey(pool, ""), cursor, page)
		if err != nil {
			return 0, false, err
		}
		n += int64(len(items))
		if next == "" {
			return n, true, nil
		}
		if n >= int64(max) {
			return n, false, nil
		}
		cursor = next
	}
}
