package org.tend.bench.helpers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

public class DbHelper {

    public static final JdbcTemplate JDBCtemplate = new JdbcTemplate(dataSource());

    private static DriverManagerDataSource dataSource() {
        DriverManagerDataSource ds = new DriverManagerDataSource();
        ds.setUrl("jdbc:hsqldb:mem:bench");
        ds.setUsername("sa");
        ds.setPassword("");
        return ds;
    }

    public static Connection getSqlConnection() throws SQLException {
        return DriverManager.getConnection("jdbc:hsqldb:mem:bench", "sa", "");
    }

    public static Statement getSqlStatement() throws SQLException {
        return getSqlConnection().createStatement();
    }
}
