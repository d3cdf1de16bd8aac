package redis

// CheckURL reports whether raw is a store.redis_url this store can dial
// (one node, a Cluster host list or a Sentinel master_name), without
// dialing; the error never repeats the URL, which may hold a password.
func CheckURL(raw string) error {
	_, err := parseURL(raw)
	return err
}
