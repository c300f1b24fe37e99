package org.tend.bench.helpers;

import org.springframework.jdbc.core.JdbcTemplate;

public class LazyDb {

    public static JdbcTemplate JDBC;

    public static synchronized JdbcTemplate template() {
        if (JDBC == null) {
            JDBC = new JdbcTemplate();
        }
        return JDBC;
    }
}
