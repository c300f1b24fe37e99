import java.util.*;
import java.io.*;

public class JBNull27 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = k.isEmpty() ? null : k; return v.length();
        return null;
    }
}
