package io.jswarm.gossip.grant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map bounded to {@code capacity} entries that drops the least recently used one when full: what this node has
 * already verified. Only verified things are put (a forgery fails its verification and is never stored), so a
 * hostile member can at most push honest entries out (they are verified again, once), never grow it.
 * Thread-safe (a short lock around the map, never around a verification), so one authority may be shared.
 */
final class Lru<K, V> {
    private final int capacity;
    private final Map<K, V> map;
    private volatile long evictions;

    Lru(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        this.capacity = capacity;
        this.map = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true);
    }

    synchronized V get(K key) {
        return map.get(key);
    }

    synchronized void put(K key, V value) {
        map.put(key, value);
        if (map.size() > capacity) {
            var eldest = map.keySet().iterator();
            eldest.next();
            eldest.remove();
            evictions++; // under the lock
        }
    }

    synchronized int size() {
        return map.size();
    }

    long evictions() {
        return evictions;
    }
}
