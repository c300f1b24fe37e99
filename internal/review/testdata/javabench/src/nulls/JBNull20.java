import java.util.*;
import java.io.*;

public class JBNull20 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); if (org.apache.commons.lang3.StringUtils.isEmpty(v)) { return null; } return v.trim();
        return null;
    }
}
