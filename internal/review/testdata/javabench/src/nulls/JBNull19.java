import java.util.*;
import java.io.*;

public class JBNull19 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); if (org.apache.commons.lang3.StringUtils.isNotEmpty(v)) { return v.trim(); } return null;
        return null;
    }
}
