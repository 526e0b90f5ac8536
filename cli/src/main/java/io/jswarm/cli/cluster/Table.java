package io.jswarm.cli.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * Docker's table layout (Go's tabwriter with minwidth 10 and padding 3): every column but the last is
 * padded to the longest cell plus three spaces, and to at least ten characters.
 */
public final class Table {
    private static final int MIN_WIDTH = 10;
    private static final int PADDING = 3;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... header) {
        rows.add(List.of(header));
    }

    public Table row(String... cells) {
        if (cells.length != rows.getFirst().size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, header " + rows.getFirst().size());
        }
        rows.add(List.of(cells));
        return this;
    }

    public String render() {
        int cols = rows.getFirst().size();
        int[] width = new int[cols];
        for (List<String> r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], Math.max(MIN_WIDTH, r.get(c).length() + PADDING));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                String cell = r.get(c);
                line.append(cell);
                if (c < cols - 1) {
                    line.append(" ".repeat(width[c] - cell.length()));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
