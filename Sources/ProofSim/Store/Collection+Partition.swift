extension RandomAccessCollection {
    /// The first index whose element belongs to the second partition, or `endIndex`, found by bisection. The
    /// collection must be partitioned: `belongsInSecondPartition` is false for a prefix of it and true for the rest
    /// (a sorted collection and "not below x", for example).
    func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if belongsInSecondPartition(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
