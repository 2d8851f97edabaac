package userpool

// ---- usernames ----

// ---- attributes ----

// ---- passwords ----
