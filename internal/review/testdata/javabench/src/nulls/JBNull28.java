import java.util.*;
import java.io.*;

public class JBNull28 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = k.isEmpty() ? "" : k; return v.length();
        return null;
    }
}
