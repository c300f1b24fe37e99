package org.tend.bench.helpers;

import java.io.File;

public class DirHelper {

    public static final String TESTFILES_DIR =
            System.getProperty("user.dir") + File.separator + "testfiles" + File.separator;
}
